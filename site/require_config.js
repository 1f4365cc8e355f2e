// require.js reads this object as its configuration when it loads. The widget manager derives the
// URL of its fonts from its module's URL, which require.js resolves against baseUrl: point baseUrl at
// the folder of this file (the site's vendor/ copy), whatever the page's depth.
var require = {baseUrl: document.currentScript.src.replace(/require_config\.js([?#].*)?$/, '')};
