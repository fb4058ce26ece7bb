"""The lakestack benchmark: cost of synth, audit and review as a platform grows (`make bench`)."""
