"""Information collection (5.2): one Scrapy spider per source, landing raw documents in the warehouse."""
