/** Where a project keeps its review records and its event log (docs/governance.md). */
export const REVIEW_DIR = '04_Project_Files/Review';
export const SCENES_FILE = `${REVIEW_DIR}/scenes.json`;
export const EVENTS_FILE = `${REVIEW_DIR}/events.jsonl`;
