"""Infrastructure: platform config, CDKTF stacks and constructs."""
