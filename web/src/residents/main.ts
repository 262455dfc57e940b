// The residents' page: 新型コロナワクチン接種予約 on the city's own server.
import { mount } from 'svelte';
// The desktop app's look (colours, focus rings, buttons), shared rather than copied.
import '../../../ui/src/app.css';
import './residents.css';
import App from './App.svelte';

const target = document.getElementById('app');
if (target) {
  target.replaceChildren();
  mount(App, { target });
}
