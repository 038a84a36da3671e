/**
 * Light and dark themes, saved to this browser (localStorage) as the account settings page says;
 * `public/theme.js` applies the saved one before the first paint.
 */
import { useCallback, useState } from 'react';

export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'batchrouter.theme';

function appliedTheme(): Theme {
  return document.documentElement.dataset['theme'] === 'dark' ? 'dark' : 'light';
}

/** Applies a theme to the page and saves it for the next visit. */
export function saveTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  try {
    window.localStorage.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // Storage refused (private mode): the theme still applies to this page.
  }
}

export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setThemeState] = useState<Theme>(appliedTheme);
  const setTheme = useCallback((next: Theme) => {
    saveTheme(next);
    setThemeState(next);
  }, []);
  return [theme, setTheme];
}
