"""Runs on a Kubeflow Pipelines cluster, followed here like local ones (KubeflowRunner)."""
