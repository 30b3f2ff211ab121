export { InvalidSettingError, loadSettings, type Settings } from './load-settings.ts';
export { VARIABLES, type Variable, type VariableName } from './variables.ts';
export { settingsTable } from './settings-table.ts';
