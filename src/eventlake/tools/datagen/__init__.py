"""The synthetic event-stream model behind `eventlake generate`.

- ``world``: the user population, the product catalogue, each user's day-by-day buying state
  and the per-day session plan. Everything is derived from the seed, cheaply and serially.
- ``render``: turns the sessions of one file into raw records (JSON lines or CSV), injects
  the defects and gzips the result. Each file depends only on the world and its own RNGs, so
  files can be rendered in parallel and still give the same bytes.
"""
