// The clusterrole-aggregation controller: a ClusterRole with an aggregationRule holds the rules of every ClusterRole
// its selectors match, kept so as roles come, change and go (pkg/controller/clusterroleaggregation/
// clusterroleaggregation_controller.go). `kubectl create clusterrole … ` labelled aggregate-to-edit widens edit.
import type { Store, StoreWatch } from '../registry/store.ts';
import type { ClusterRole, PolicyRule } from './types.ts';

// The rules a role with an aggregationRule should hold: those of the roles its selectors match (matchLabels), in
// name order, each rule once.
export function aggregatedRules(target: ClusterRole, roles: ClusterRole[]): PolicyRule[] {
  const selectors = target.aggregationRule?.clusterRoleSelectors ?? [];
  const sources = roles.filter((r) => r.metadata.name !== target.metadata.name && selectors.some((s) =>
    Object.entries(s.matchLabels ?? {}).every(([k, v]) => r.metadata.labels?.[k] === v)))
    .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const rule of sources.flatMap((s) => s.rules ?? [])) {
    const key = JSON.stringify(rule);
    if (!seen.has(key)) { seen.add(key); rules.push(rule); }
  }
  return rules;
}

export class ClusterRoleAggregationController {
  private watch?: StoreWatch<ClusterRole>;
  private dirty = false;
  private running?: Promise<void>;

  constructor(private readonly roles: Store<ClusterRole>, private readonly log: (line: string) => void) {}

  // Every change to any ClusterRole marks the aggregates dirty; one pass at a time recomputes them. A pass that
  // changes an aggregate causes one more (its own update), which finds nothing to do: chains (view in edit in admin)
  // settle in as many passes as they are deep.
  async start(): Promise<void> {
    this.watch = await this.roles.watch(undefined, '0');
    void (async () => { for await (const _ of this.watch!) this.kick(); })().catch((err) => this.log(`clusterrole-aggregation: watch ended: ${err}`));
  }

  stop(): void { this.watch?.stop(); }

  // Resolves once no pass is running (for tests: the aggregates are up to date).
  async settled(): Promise<void> { while (this.running) await this.running; }

  private kick(): void {
    this.dirty = true;
    this.running ??= (async () => {
      while (this.dirty) {
        this.dirty = false;
        await this.sync().catch((err) => this.log(`clusterrole-aggregation: ${err instanceof Error ? err.message : String(err)}`));
      }
      this.running = undefined;
    })();
  }

  private async sync(): Promise<void> {
    const { items } = await this.roles.list(undefined);
    for (const target of items.filter((r) => r.aggregationRule)) {
      const rules = aggregatedRules(target, items);
      if (JSON.stringify(rules) === JSON.stringify(target.rules ?? [])) continue;
      await this.roles.guaranteedUpdate(undefined, target.metadata.name!, (cur) => ({ ...cur, rules: aggregatedRules(cur, items) }));
    }
  }
}
