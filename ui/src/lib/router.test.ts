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

describe('Router history', () => {
  it('goes back step by step and never past TOP', () => {
    const router = new Router();
    router.go({ name: 'top' });
    router.go({ name: 'residents' });
    router.go({ name: 'resident', resident: { municipality_code: '431001', ticket_number: '9000000062' } });
    router.back();
    expect(router.current.name).toBe('residents');
    router.back();
    expect(router.current.name).toBe('top');
    router.back();
    expect(router.current.name).toBe('top');
  });

  it('starts a fresh history at TOP and at the login', () => {
    const router = new Router();
    router.go({ name: 'top' });
    router.go({ name: 'bookings' });
    router.go({ name: 'top' });
    router.go({ name: 'reception' });
    router.back();
    expect(router.current.name).toBe('top');
  });
});
