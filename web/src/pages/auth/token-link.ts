/** Pages opened from an email link act once on their token, even when React renders them twice. */
import { useEffect, useRef } from 'react';

export function useOnceWithToken(token: string, act: (token: string) => void): void {
  const done = useRef<string | null>(null);
  useEffect(() => {
    if (token === '' || done.current === token) return;
    done.current = token;
    act(token);
  }, [token, act]);
}
