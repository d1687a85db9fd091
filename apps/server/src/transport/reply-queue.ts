interface Slot {
  replies: readonly string[] | undefined;
  /** Commands of this slot counted as in flight (0 for replies the transport made itself). */
  inFlight: number;
}

const NOTHING_READY = Object.freeze({ text: '', answered: 0 });

/**
 * Keeps replies in the order their commands arrived, whatever order they complete in, and hands
 * out every reply that is ready at the head as one string, so one socket write carries them all.
 */
export class ReplyQueue {
  private readonly slots: Slot[] = [];
  private head = 0;

  get isEmpty(): boolean {
    return this.head === this.slots.length;
  }

  /** A slot for a run of commands that is still executing; fill it with `complete`. */
  reserve(inFlight: number): Slot {
    const slot: Slot = { replies: undefined, inFlight };
    this.slots.push(slot);
    return slot;
  }

  /** A reply the transport knows at once (unknown command, busy, line too long). */
  pushReady(reply: string): void {
    const last = this.slots[this.slots.length - 1];
    // Consecutive ready replies share a slot: a flood of bad lines costs one array, not one each.
    if (last && this.slots.length > this.head && last.inFlight === 0 && last.replies) {
      (last.replies as string[]).push(reply);
    } else {
      this.slots.push({ replies: [reply], inFlight: 0 });
    }
  }

  complete(slot: Slot, replies: readonly string[]): void {
    slot.replies = replies;
  }

  /** Removes the ready slots at the head: their text (or '' if none) and how many were in flight. */
  takeReady(): { text: string; answered: number } {
    // Called after every read: most often nothing is ready yet, and that costs no allocation.
    if (this.head === this.slots.length || !this.slots[this.head].replies) return NOTHING_READY;
    let text = '';
    let answered = 0;
    while (this.head < this.slots.length) {
      const slot = this.slots[this.head];
      if (!slot.replies) break;
      if (slot.replies.length > 0) text += slot.replies.join('\n') + '\n';
      answered += slot.inFlight;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
    return { text, answered };
  }
}
export type { Slot as ReplySlot };
