// Checks a message against Slack's Block Kit limits and returns every violation (empty when fine).
// Written from Slack's reference, independently of the views' own builders.

type Json = Record<string, unknown>;

export function blockLimitViolations(message: { text?: string; blocks?: unknown[] }): string[] {
  const problems: string[] = [];
  const blocks = (message.blocks ?? []) as Json[];
  if (blocks.length > 50) problems.push(`${blocks.length} blocks (max 50)`);
  const ids = new Set<string>();
  blocks.forEach((block, i) => {
    const where = `block ${i} (${String(block.type)})`;
    const id = block.block_id;
    if (id !== undefined) {
      if (typeof id !== 'string' || id.length > 255) problems.push(`${where}: block_id longer than 255`);
      else if (ids.has(id)) problems.push(`${where}: duplicate block_id ${id}`);
      else ids.add(id);
    }
    switch (block.type) {
      case 'header':
        textMax(problems, where, block.text, 150);
        break;
      case 'section': {
        if (block.text !== undefined) textMax(problems, where, block.text, 3000);
        const fields = block.fields as Json[] | undefined;
        if (fields !== undefined) {
          if (fields.length > 10) problems.push(`${where}: ${fields.length} fields (max 10)`);
          for (const f of fields) textMax(problems, `${where} field`, f, 2000);
        }
        if (block.text === undefined && fields === undefined)
          problems.push(`${where}: neither text nor fields`);
        if (block.accessory !== undefined) element(problems, `${where} accessory`, block.accessory as Json);
        break;
      }
      case 'context': {
        const elements = block.elements as Json[];
        if (elements.length > 10) problems.push(`${where}: ${elements.length} elements (max 10)`);
        if (elements.length === 0) problems.push(`${where}: no elements`);
        for (const e of elements) textMax(problems, `${where} element`, e, 3000);
        break;
      }
      case 'actions': {
        const elements = block.elements as Json[];
        if (elements.length > 25) problems.push(`${where}: ${elements.length} elements (max 25)`);
        for (const e of elements) element(problems, where, e);
        break;
      }
      case 'divider':
        break;
      default:
        problems.push(`${where}: unexpected block type`);
    }
  });
  return problems;
}

function textMax(problems: string[], where: string, text: unknown, max: number): void {
  const t = (text as Json | undefined)?.text;
  if (typeof t !== 'string') {
    problems.push(`${where}: text object without text`);
    return;
  }
  if (t.length > max) problems.push(`${where}: text ${t.length} characters (max ${max})`);
  if (t.length === 0) problems.push(`${where}: empty text`);
}

function element(problems: string[], where: string, e: Json): void {
  const actionId = e.action_id;
  if (typeof actionId === 'string' && actionId.length > 255)
    problems.push(`${where}: action_id longer than 255`);
  if (e.type === 'button') {
    textMax(problems, `${where} button`, e.text, 75);
    if (typeof e.value === 'string' && e.value.length > 2000)
      problems.push(`${where}: button value longer than 2000`);
    const confirm = e.confirm as Json | undefined;
    if (confirm !== undefined) {
      textMax(problems, `${where} confirm title`, confirm.title, 100);
      textMax(problems, `${where} confirm text`, confirm.text, 300);
      textMax(problems, `${where} confirm button`, confirm.confirm, 30);
      textMax(problems, `${where} deny button`, confirm.deny, 30);
    }
  }
  if (e.type === 'multi_static_select' || e.type === 'static_select') {
    const options = (e.options as Json[] | undefined) ?? [];
    if (options.length > 100) problems.push(`${where}: ${options.length} options (max 100)`);
    if (options.length === 0) problems.push(`${where}: a menu without options`);
    for (const o of options) {
      textMax(problems, `${where} option`, o.text, 75);
      if (typeof o.value !== 'string' || o.value.length > 150)
        problems.push(`${where}: option value longer than 150`);
    }
    const initial = (e.initial_options as Json[] | undefined) ?? [];
    for (const o of initial) {
      if (!options.some((x) => JSON.stringify(x) === JSON.stringify(o))) {
        problems.push(`${where}: an initial option that is not among the options`);
      }
    }
    textMax(problems, `${where} placeholder`, e.placeholder, 150);
  }
}

/** Every element of every actions block and section accessory, flattened. */
export function interactiveElements(blocks: unknown[]): (Json & { block_id?: string })[] {
  const out: (Json & { block_id?: string })[] = [];
  for (const b of blocks as Json[]) {
    if (b.type === 'actions') {
      for (const e of b.elements as Json[]) out.push({ ...e, block_id: b.block_id as string });
    }
    if (b.type === 'section' && b.accessory !== undefined) {
      out.push({ ...(b.accessory as Json), block_id: b.block_id as string });
    }
  }
  return out;
}

/** All text of a message, for assertions on what it says. */
export function allText(message: { text?: string | undefined; blocks?: unknown }): string {
  const parts: string[] = [message.text ?? ''];
  const walk = (v: unknown) => {
    if (typeof v === 'string') return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Json;
      if (typeof o.text === 'string') parts.push(o.text);
      for (const [k, child] of Object.entries(o)) if (k !== 'text' || typeof child !== 'string') walk(child);
    }
  };
  walk(message.blocks ?? []);
  return parts.join('\n');
}
