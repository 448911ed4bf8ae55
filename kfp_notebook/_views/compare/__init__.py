"""Comparison of 2 to 10 recorded runs, kept once: `model` computes everything a view shows
(`ComparisonJSON`: values, their text, the best runs under either direction, the per-run table
and the sections); `trend` one metric over an experiment; `tables`, `text`, `html` and `svg`
only draw what the model computed, as `packages/shared/src/compare*.ts` does in the browser.
`comparison.Comparison` is the notebook object. Import the module you need: the root is empty
so the CLI loads no renderer it does not use."""
