// The list of diagnostics under the header: severity, code, where (layer, step/epoch), the engine's message,
// suggested fixes, and a link that asks the host to reveal the spec entry (or, for a run defined in code, the source
// line) the diagnostic points at.
import type { DiagnosticEvent } from '../../src/shared/engineProtocol';
import { displayEpoch } from '../../src/shared/format';
import type { DashboardModel } from '../state';
import { clear, h } from './dom';

const COLLAPSED = 6;

export class DiagnosticsList {
  readonly root = h('section', { class: 'gs-diagnostics', id: 'gs-diagnostics', 'aria-label': 'Diagnostics' });
  private key = '';
  private expanded = false;

  constructor(
    private readonly onReveal: (d: DiagnosticEvent) => void,
    private readonly onLearn: (d: DiagnosticEvent) => void,
  ) {}

  render(model: DashboardModel): void {
    const hist = model.history;
    const diags = hist?.diagnostics ?? [];
    const key = JSON.stringify([model.generation, diags.length, this.expanded, !!hist?.end, (hist?.steps.length ?? 0) > 0]);
    if (key === this.key) return;
    this.key = key;
    clear(this.root);
    this.root.hidden = !hist?.start;
    if (!hist?.start) return;
    if (diags.length === 0) {
      if (hist.steps.length > 0) {
        this.root.append(
          h(
            'div',
            { class: 'gs-diag-none' },
            h('span', { class: 'gs-ok-dot', 'aria-hidden': 'true' }),
            hist.end ? 'No problems detected in this run.' : 'No problems detected so far.',
          ),
        );
      }
      return;
    }
    const counts = { error: 0, warning: 0, info: 0 };
    for (const d of diags) counts[d.severity]++;
    const summary = (['error', 'warning', 'info'] as const)
      .filter((s) => counts[s] > 0)
      .map((s) => `${counts[s]} ${s}${counts[s] > 1 ? (s === 'info' ? '' : 's') : ''}`)
      .join(', ');
    this.root.append(h('h2', { class: 'gs-section-title' }, 'Diagnostics ', h('span', { class: 'gs-muted' }, `(${summary})`)));
    const list = h('ul', { class: 'gs-diag-list' });
    const shown = this.expanded ? diags : diags.slice(0, COLLAPSED);
    for (const d of shown) list.append(this.item(d));
    this.root.append(list);
    if (diags.length > COLLAPSED) {
      const more = h(
        'button',
        { class: 'gs-link-button', type: 'button' },
        this.expanded ? 'Show fewer' : `Show all ${diags.length}`,
      );
      more.addEventListener('click', () => {
        this.expanded = !this.expanded;
        this.key = '';
        this.render(model);
      });
      this.root.append(more);
    }
  }

  private item(d: DiagnosticEvent): HTMLElement {
    const where: string[] = [];
    if (d.layer) where.push(d.layer);
    if (d.step !== undefined) where.push(`step ${d.step}`);
    else if (d.epoch !== undefined) where.push(`epoch ${displayEpoch(d.epoch)}`);
    // A run defined in code (a PyTorch run) points at the line of its layer; a spec run at the spec's entry.
    const link = d.source
      ? h(
          'a',
          {
            class: 'gs-diag-link',
            href: '#',
            'data-source': `${d.source.file}:${d.source.line}`,
            title: `Open ${d.source.file} at line ${d.source.line}`,
          },
          'Show in code',
        )
      : h(
          'a',
          { class: 'gs-diag-link', href: '#', 'data-spec-path': d.specPath, title: `Reveal ${d.specPath} in the spec` },
          'Show in spec',
        );
    link.addEventListener('click', (e) => {
      e.preventDefault();
      this.onReveal(d);
    });
    const learn = h(
      'a',
      { class: 'gs-diag-link gs-diag-docs', href: '#', title: `What ${d.code} means, why it happens and how the fixes work` },
      'What is this?',
    );
    learn.addEventListener('click', (e) => {
      e.preventDefault();
      this.onLearn(d);
    });
    const li = h(
      'li',
      { class: 'gs-diag', 'data-code': d.code, 'data-severity': d.severity },
      h(
        'div',
        { class: 'gs-diag-head' },
        h('span', { class: `gs-sev gs-sev-${d.severity}` }, d.severity),
        h('code', { class: 'gs-diag-code' }, d.code),
        where.length ? h('span', { class: 'gs-diag-where' }, where.join(' · ')) : null,
        h('span', { class: 'gs-spacer' }),
        learn,
        link,
      ),
      h('div', { class: 'gs-diag-msg' }, d.message),
    );
    if (d.fixes && d.fixes.length > 0) {
      const fixes = h('ul', { class: 'gs-diag-fixes' });
      for (const f of d.fixes) fixes.append(h('li', {}, f.title));
      li.append(h('div', { class: 'gs-diag-fix-title' }, 'Possible fixes'), fixes);
    }
    return li;
  }
}
