/**
 * Submits and approves scenes through the public API (all of the project's scenes when none are
 * named), so a test can make a final render past the approval gate (docs/governance.md#review).
 */
export async function approveScenes(base: string, projectId: string, scenes?: string[]): Promise<void> {
  const names =
    scenes ??
    ((await (await fetch(`${base}/api/v1/projects/${projectId}/scenes`)).json()) as { scenes: Array<{ scene: string; status: string }> }).scenes
      .filter((s) => s.status !== 'approved')
      .map((s) => s.scene);
  for (const scene of names)
    for (const action of ['submit', 'approve']) {
      const res = await fetch(`${base}/api/v1/projects/${projectId}/scenes/${scene}/review`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action }),
      });
      if (!res.ok) throw new Error(`cannot ${action} ${scene}: ${await res.text()}`);
    }
}

/** Reopens approved scenes (all of them when none are named), so a test can edit their shots again. */
export async function reopenScenes(base: string, projectId: string, scenes?: string[]): Promise<void> {
  const names =
    scenes ??
    ((await (await fetch(`${base}/api/v1/projects/${projectId}/scenes`)).json()) as { scenes: Array<{ scene: string; status: string }> }).scenes
      .filter((s) => s.status === 'approved')
      .map((s) => s.scene);
  for (const scene of names) {
    const res = await fetch(`${base}/api/v1/projects/${projectId}/scenes/${scene}/review`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'reopen' }),
    });
    if (!res.ok) throw new Error(`cannot reopen ${scene}: ${await res.text()}`);
  }
}
