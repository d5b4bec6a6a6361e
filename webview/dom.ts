// Building the page from script. Every string from the trace goes in as text
// (textContent or an attribute value), never as markup: argv can hold anything.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Sets the text only when it differs: no layout work for an unchanged value. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

export function setAttr(node: Element, name: string, value: string | null): void {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) {
    node.setAttribute(name, value);
  }
}

export function setHidden(node: HTMLElement, hidden: boolean): void {
  if (node.hidden !== hidden) node.hidden = hidden;
}

/** The element the key or click really came from, through shadow roots. */
export function originalTarget(event: Event): EventTarget | null {
  return event.composedPath()[0] ?? event.target;
}

/** True while the user types in a text field (shortcuts must not fire then). */
export function isTyping(event: Event): boolean {
  const target = originalTarget(event);
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target.tagName === 'VSCODE-TEXTFIELD';
}
