import { api } from '$lib/api';
import type { PageLoad } from './$types';

/** The dashboard's first screen of cards; asked for together with the layout's auth mode, not after it and the page's mounting. */
const FIRST_PAGE = 48;

export const load: PageLoad = () => ({ firstPage: api.listProjectsPage(FIRST_PAGE, 0) });
