/**
 * Which assembler's timeline is open (one at a time), shared by the button on the assembler node
 * and whatever shows the timeline, and whether the canvas page docks it itself.
 */
class TimelineOpen {
  assemblerId = $state<string | null>(null);
  /** Set while a page-level dock is mounted: the node then does not show its own copy. */
  docked = $state(false);

  toggle(assemblerId: string): void {
    this.assemblerId = this.assemblerId === assemblerId ? null : assemblerId;
  }
  close(): void {
    this.assemblerId = null;
  }
}

export const timelineOpen = new TimelineOpen();
