"""Views of runs: the one JSON shape (`shape`), the run view a widget shows (`run_view`),
artifact previews (`preview`) and the terminal printer (`printer`). Views read events and the
store; they never import the engine or the executors."""
