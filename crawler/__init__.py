"""wirecrawl's Scrapy side: the feeds spider, its item, extensions and the command line."""
