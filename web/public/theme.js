// Applies the theme saved by the dashboard ("batchrouter.theme" in localStorage), or the system's,
// before the first paint. Kept in sync with web/src/theme.ts.
(function () {
  var theme = null;
  try {
    theme = window.localStorage.getItem('batchrouter.theme');
  } catch (error) {
    theme = null;
  }
  if (theme !== 'light' && theme !== 'dark') {
    theme = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  document.documentElement.dataset.theme = theme;
})();
