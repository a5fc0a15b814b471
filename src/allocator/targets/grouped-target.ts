import type { Labels, Target } from '../model.js';
import { LabelMerger } from '../relabel/index.js';
import { targetNodeName } from './node-name.js';

const MERGER = new LabelMerger();

/**
 * A target that keeps its discovered labels as they came, its own over its group's, and merges
 * them only when read: the served labels are needed when a response body is serialized, not to
 * place the target, and 100k merged copies would cost memory and time for nothing.
 */
export class GroupedTarget implements Target {
  readonly nodeName: string | undefined;

  constructor(
    readonly id: string,
    readonly job: string,
    readonly address: string,
    private readonly own: Labels,
    private readonly group: Labels,
  ) {
    this.nodeName = targetNodeName(own, group);
  }

  /** `{...group, ...own}`, built on each read: read it once per use and don't hold on to it. */
  get labels(): Labels {
    return MERGER.merge(this.group, this.own);
  }

  /** True when both hold the same discovered label objects (so the same labels). */
  sameSource(other: Target): boolean {
    return other instanceof GroupedTarget && other.own === this.own && other.group === this.group;
  }
}
