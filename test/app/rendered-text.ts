/** The parts of a rendered node (element, fragment, root or text) that carry text. */
interface NodeWithText {
  nodeType: string;
  text: string | null;
  childNodes?: readonly NodeWithText[];
}

/**
 * All text below a rendered node, element boundaries joined with a space. (A node's own `.text` only
 * holds its direct text children, which is too little for "this row mentions X" assertions.)
 */
export function textOf(node: NodeWithText | null | undefined): string {
  if (!node) return '';
  if (!node.childNodes) return node.text ?? '';
  return node.childNodes
    .map((child) => textOf(child))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Fires an element's onChange with a value. (`trigger` is typed to take the handler itself as its
 * argument in @hubspot/ui-extensions 0.17, although at run time it passes the argument to the handler.)
 */
export function change(node: { trigger: (...args: never[]) => void }, value: unknown): void {
  (node.trigger as unknown as (event: string, arg: unknown) => void)('onChange', value);
}
