/** docs/project-layout.md#project-folders: the folders of every project, and which of them git tracks. */
export const PROJECT_FOLDERS = [
  '01_Assets',
  '01_Assets/Source_Media',
  '01_Assets/AI_Models',
  '01_Assets/Generative_Assets',
  '02_Source_Creative',
  '02_Source_Creative/Canvases',
  '02_Source_Creative/Scripts',
  '03_Renders',
  '04_Project_Files',
  '04_Project_Files/Auto_Saves',
  '04_Project_Files/EDLs',
  '05_Cache',
  '06_Exports',
] as const;

/** Leaf folders that git tracks get a .gitkeep so a clone has the whole layout. */
export const TRACKED_LEAF_FOLDERS = [
  '01_Assets/Source_Media',
  '01_Assets/AI_Models',
  '01_Assets/Generative_Assets',
  '02_Source_Creative/Scripts',
  '03_Renders',
  '04_Project_Files/Auto_Saves',
  '04_Project_Files/EDLs',
] as const;

export const MANIFEST_FILE = 'project.json';
export const CANVAS_PATH = '02_Source_Creative/Canvases/main_canvas.json';
export const RENDERS_DIR = '03_Renders';
export const EDLS_DIR = '04_Project_Files/EDLs';
export const CACHE_DIR = '05_Cache';
export const EXPORTS_DIR = '06_Exports';

/** Workspace-level shared resources (docs/project-layout.md#workspace). */
export const LIBRARY_FOLDERS = ['Library', 'Library/Branding', 'Library/Stock_Media', 'Library/Pipeline_Templates'] as const;
