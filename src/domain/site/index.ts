// The public site's rendering: pure functions from published articles to HTML and XML.
export { escapeHtml, escapeXml } from './escape.js';
export { articlePath, indexPath, sitemapPath, surrogateKey } from './paths.js';
export { labelFor, renderArticlePage, renderMetaBox } from './page.js';
export type { ArticleView, SimilarView } from './page.js';
export { renderIndexPage } from './index-page.js';
export type { IndexEntryView, IndexView } from './index-page.js';
export { renderSearchPage } from './search-page.js';
export { renderSitemap, SITEMAP_MAX_URLS } from './sitemap.js';
export type { SitemapEntry } from './sitemap.js';
