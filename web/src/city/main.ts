// The city's console: the administrators' side of periods, reports, accounts and the registry.
import { mount } from 'svelte';
import '../../../ui/src/app.css';
import '../residents/residents.css';
import '../console/console.css';
import App from './App.svelte';

const target = document.getElementById('app');
if (target) {
  target.replaceChildren();
  mount(App, { target });
}
