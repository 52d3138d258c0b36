"""Readers and vocabularies of source formats, shared by ``crawlers/`` (which fetch) and
``transforms/`` (which map): header aliases of spot-check tables, the media relevance filter,
the China Quality News article reader. Crawlers and transforms may both import this package but
never each other, so data keeps flowing one way through the warehouse.
"""
