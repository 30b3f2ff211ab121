import { mount } from 'svelte';
import '@xyflow/svelte/dist/style.css';
import BareFlow from './BareFlow.svelte';

mount(BareFlow, { target: document.body });
