"""wirecrawl's Scrapy commands (COMMANDS_MODULE): ``scrapy crawl`` with a run lock and exit codes."""
