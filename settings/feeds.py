"""The default feed list: RSS/Atom feeds that wirecrawl reads when it is given no other list.

What it is
    ``DEFAULT_FEEDS`` is a list of dicts, one per feed, each with:

    * ``name``     -- human-readable label, outlet + section ("BBC News — Middle East");
    * ``url``      -- the RSS or Atom feed address (always https);
    * ``language`` -- ISO 639-1 code of the feed's content ("fr", "en", "ar");
    * ``country``  -- ISO 3166-1 alpha-2 code of the outlet's home country
      (for the UN, "US", where its headquarters and newsroom are).

How it was chosen
    The list is meant for newsroom researchers who follow Middle East stories
    (for example the Iraq/Syria border) across French, English and Arabic
    outlets.  It keeps to the Middle East or international sections of major
    outlets, agencies and regional newspapers, with roughly a third of the
    feeds in each language.  A Middle East section feed is used where a
    well-established one exists; otherwise the outlet's international or
    general feed (regional outlets cover the region in all their news).  Addresses were chosen for being long-lived, widely used
    public feeds; they were not fetched when this list was written, so a feed
    that has moved will show up as a failed request in the crawl log and
    should be fixed or removed here.

How to override it
    * for one run, give the spider its own feeds with ``-a feeds=...``, e.g.
      ``scrapy crawl feeds -a feeds=https://a.example/rss``; see the spider
      for the exact format it accepts;
    * for a project or a deployment, set ``NEWS_FEEDS`` in the Scrapy
      settings (``settings/base.py`` sets it to this list by default) to
      another list of dicts of the same shape.

``DEFAULT_SITES`` (the ``NEWS_SITES`` setting) lists outlets given as sites, whose feeds and
sitemaps are discovered; it is empty until an outlet's news sitemap is shown to be the better
source.

This module imports nothing, so it can be read by any tool without loading
the project.
"""

DEFAULT_FEEDS = [
    # ---- French (fr) ----
    {"name": "France 24 — Moyen-Orient", "url": "https://www.france24.com/fr/moyen-orient/rss", "language": "fr", "country": "FR"},
    {"name": "RFI — Moyen-Orient", "url": "https://www.rfi.fr/fr/moyen-orient/rss", "language": "fr", "country": "FR"},
    {"name": "Le Monde — International", "url": "https://www.lemonde.fr/international/rss_full.xml", "language": "fr", "country": "FR"},
    {"name": "Le Monde — Proche-Orient", "url": "https://www.lemonde.fr/proche-orient/rss_full.xml", "language": "fr", "country": "FR"},
    {"name": "Le Figaro — International", "url": "https://www.lefigaro.fr/rss/figaro_international.xml", "language": "fr", "country": "FR"},
    {"name": "Libération — International", "url": "https://www.liberation.fr/arc/outboundfeeds/rss/category/international/?outputType=xml", "language": "fr", "country": "FR"},
    {"name": "Franceinfo — Monde", "url": "https://www.francetvinfo.fr/monde.rss", "language": "fr", "country": "FR"},
    {"name": "Courrier international — Toute l'actualité", "url": "https://www.courrierinternational.com/feed/all/rss.xml", "language": "fr", "country": "FR"},
    {"name": "Euronews (français) — Actualités", "url": "https://fr.euronews.com/rss?level=theme&name=news", "language": "fr", "country": "FR"},
    {"name": "L'Orient-Le Jour — À la une", "url": "https://www.lorientlejour.com/rss", "language": "fr", "country": "LB"},
    {"name": "ONU Info — Moyen-Orient", "url": "https://news.un.org/feed/subscribe/fr/news/region/middle-east/feed/rss.xml", "language": "fr", "country": "US"},
    {"name": "Anadolu Agency (français) — Actualités", "url": "https://www.aa.com.tr/fr/rss/default?cat=guncel", "language": "fr", "country": "TR"},

    # ---- English (en) ----
    {"name": "BBC News — Middle East", "url": "https://feeds.bbci.co.uk/news/world/middle_east/rss.xml", "language": "en", "country": "GB"},
    {"name": "The Guardian — Middle East", "url": "https://www.theguardian.com/world/middleeast/rss", "language": "en", "country": "GB"},
    {"name": "The New York Times — Middle East", "url": "https://rss.nytimes.com/services/xml/rss/nyt/MiddleEast.xml", "language": "en", "country": "US"},
    {"name": "France 24 (English) — Middle East", "url": "https://www.france24.com/en/middle-east/rss", "language": "en", "country": "FR"},
    {"name": "Al Jazeera English — All news", "url": "https://www.aljazeera.com/xml/rss/all.xml", "language": "en", "country": "QA"},
    {"name": "Deutsche Welle (English) — All news", "url": "https://rss.dw.com/rdf/rss-en-all", "language": "en", "country": "DE"},
    {"name": "UN News — Middle East", "url": "https://news.un.org/feed/subscribe/en/news/region/middle-east/feed/rss.xml", "language": "en", "country": "US"},
    {"name": "Middle East Eye — Latest", "url": "https://www.middleeasteye.net/rss", "language": "en", "country": "GB"},
    {"name": "Al-Monitor — Latest", "url": "https://www.al-monitor.com/rss", "language": "en", "country": "US"},
    {"name": "The National — News", "url": "https://www.thenationalnews.com/arc/outboundfeeds/rss/category/news/?outputType=xml", "language": "en", "country": "AE"},
    {"name": "Arab News — Latest", "url": "https://www.arabnews.com/rss.xml", "language": "en", "country": "SA"},
    {"name": "Asharq Al-Awsat (English) — Latest", "url": "https://english.aawsat.com/feed", "language": "en", "country": "SA"},
    {"name": "Kurdistan24 (English) — Latest", "url": "https://www.kurdistan24.net/en/rss.xml", "language": "en", "country": "IQ"},
    {"name": "Anadolu Agency (English) — Middle East", "url": "https://www.aa.com.tr/en/rss/default?cat=middle-east", "language": "en", "country": "TR"},

    # ---- Arabic (ar) ----
    {"name": "France 24 عربي — آخر الأخبار", "url": "https://www.france24.com/ar/rss", "language": "ar", "country": "FR"},
    {"name": "BBC عربي — آخر الأخبار", "url": "https://feeds.bbci.co.uk/arabic/rss.xml", "language": "ar", "country": "GB"},
    {"name": "الجزيرة نت — آخر الأخبار", "url": "https://www.aljazeera.net/aljazeerarss/a7c186be-1baa-4bd4-9d80-a84db769f779/73d0e1b4-532f-45ef-b135-bfdff8b8cab9", "language": "ar", "country": "QA"},
    {"name": "DW عربية — كل الأخبار", "url": "https://rss.dw.com/rdf/rss-ar-all", "language": "ar", "country": "DE"},
    {"name": "سكاي نيوز عربية — آخر الأخبار", "url": "https://www.skynewsarabia.com/web/rss", "language": "ar", "country": "AE"},
    {"name": "العربية — آخر الأخبار", "url": "https://www.alarabiya.net/.mrss/ar.xml", "language": "ar", "country": "AE"},
    {"name": "الشرق الأوسط — آخر الأخبار", "url": "https://aawsat.com/feed", "language": "ar", "country": "SA"},
    {"name": "أخبار الأمم المتحدة — الشرق الأوسط", "url": "https://news.un.org/feed/subscribe/ar/news/region/middle-east/feed/rss.xml", "language": "ar", "country": "US"},
    {"name": "يورونيوز عربي — الأخبار", "url": "https://arabic.euronews.com/rss?level=vertical&name=news", "language": "ar", "country": "FR"},
    {"name": "CNN بالعربية — آخر الأخبار", "url": "https://arabic.cnn.com/api/v1/rss/rss.xml", "language": "ar", "country": "US"},
    {"name": "القدس العربي — آخر الأخبار", "url": "https://www.alquds.co.uk/feed/", "language": "ar", "country": "GB"},
    {"name": "وكالة الأناضول (عربي) — آخر الأخبار", "url": "https://www.aa.com.tr/ar/rss/default?cat=guncel", "language": "ar", "country": "TR"},
    {"name": "عنب بلدي — آخر الأخبار", "url": "https://www.enabbaladi.net/feed/", "language": "ar", "country": "SY"},
]

# Sites whose feeds and sitemaps are discovered (NEWS_SITES): outlets whose news sitemap is a
# better source than their feeds. None yet: no public evidence was checked for one (the list
# was written offline); add a host, or {name, url, language, country}, once it is.
DEFAULT_SITES: list = []
