"""The vocabulary every layer shares: states and kinds (`states`), the event stream (`events`),
and JSON-safe values (`jsonsafe`). Imports nothing else of kfp_notebook."""
