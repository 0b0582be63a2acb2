"""Request and response schemas (pydantic v2): the one input layer and the OpenAPI document.

One module per capability (`cases`, `places`, `auth`); `common` holds the shared field types,
`errors` the error body and the one translation of validation errors into GridFlow's errors,
`parse` the entry points every door uses (JSON bodies, query strings, plain data).
"""
