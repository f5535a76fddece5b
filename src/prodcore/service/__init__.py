"""A reference HTTP service over prodcore (``pip install prodcore[service]``).

An adapter at the edge: Starlette routes over :mod:`prodcore.app`, served by uvicorn
(``prodcore serve --store URL``). Nothing in prodcore imports it, and this package
imports Starlette only in :mod:`prodcore.service.http` and :mod:`prodcore.service.server`:
:mod:`prodcore.service.schema` (JSON Schema of the wire types) and
:mod:`prodcore.service.openapi` work without it.

- :func:`prodcore.service.http.create_app`: the application over a store;
- :func:`prodcore.service.http.api_key_auth`: the API-key authenticator;
- :func:`prodcore.service.server.serve`: open a store and serve it;
- :func:`prodcore.service.openapi.openapi_document`: the OpenAPI 3.1 document;
- :func:`prodcore.service.schema.json_schemas`: the schemas of attrs classes.
"""
