"""CDKTF stacks: one per environment, plus `<env>-account` when the environment creates its workspace."""
