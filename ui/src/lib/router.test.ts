import { describe, expect, it } from 'vitest';
import { Router } from './router.svelte';

describe('Router', () => {
  it('starts on the login screen and moves between screens', () => {
    const router = new Router();
    expect(router.current).toEqual({ name: 'login' });
    router.go({ name: 'top' });
    expect(router.is('top')).toBe(true);
    expect(router.is('login')).toBe(false);
    router.go({ name: 'login' });
    expect(router.current.name).toBe('login');
  });
});
