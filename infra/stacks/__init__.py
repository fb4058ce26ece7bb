"""CDKTF stacks: per environment, `<env>-account` (an account admin applies it) and `<env>` (its deployer does)."""
