"""Notebooks the browser tests write: code cells with kernelspec metadata (without it a kernel
dialog would block the clicks)."""

import json
from pathlib import Path


def write_notebook(path: Path, cells: list[str]) -> None:
    code = [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
        for c in cells
    ]
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    notebook = {"cells": code, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook))
