"""Plan review: what a change does to each environment, with risky changes first."""
