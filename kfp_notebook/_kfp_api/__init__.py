"""KFP v2beta1 REST API served from the run store: `kfp-notebook serve` and the Jupyter mount."""
