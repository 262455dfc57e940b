// The call center's console: the operator's side of the phone.
import { mount } from 'svelte';
import '../../../ui/src/app.css';
import '../residents/residents.css';
import './console.css';
import App from './App.svelte';

const target = document.getElementById('app');
if (target) {
  target.replaceChildren();
  mount(App, { target });
}
