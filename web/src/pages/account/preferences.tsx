/** Account preferences: the dark mode switch, saved to this browser. */
import { Section } from '../../components/display.tsx';
import { useTheme } from '../../theme.ts';

export function PreferencesSection() {
  const [theme, setTheme] = useTheme();
  const dark = theme === 'dark';
  return (
    <Section id="preferences" title="Account preferences" description="Display preferences saved to this browser.">
      <div className="switch-row">
        <div>
          <p className="switch-label" id="dark-mode-label">
            Dark mode
          </p>
          <p className="hint" id="dark-mode-state">
            Current mode: {theme}.
          </p>
        </div>
        <button
          type="button"
          role="switch"
          className="switch"
          aria-checked={dark}
          aria-labelledby="dark-mode-label"
          aria-describedby="dark-mode-state"
          onClick={() => setTheme(dark ? 'light' : 'dark')}
        >
          <span className="switch-thumb" aria-hidden="true" />
        </button>
      </div>
    </Section>
  );
}
