// The fork-tree webview panel: strict CSP, resources only from dist/, typed messages.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { assertNever, type FindingRef, type HostMessage, type WebviewMessage } from '../shared/protocol';
import { Disposable, toDisposable } from './dispose';
import { makeNonce, panelHtml } from './panelHtml';

export const PANEL_VIEW_TYPE = 'forkTrace.panel';

export interface PanelHandler {
  ready(): void;
  openProcess(id: string): void;
  stop(): void;
  traceAgain(): void;
  applyFix(finding: FindingRef): void;
  tracePrecisely(): void;
  disposed(): void;
}

export class ForkTreePanel extends Disposable {
  /** VS Code disposed the webview panel (the user closed it): it must not be disposed again. */
  private webviewGone = false;
  /** The webview panel was handed to another run (release()): disposing this leaves it open. */
  private handedOver = false;

  private constructor(
    readonly webviewPanel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    title: string,
    private readonly handler: PanelHandler,
  ) {
    super();
    const webview = webviewPanel.webview;
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    webview.options = { enableScripts: true, localResourceRoots: [dist] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      title,
    });
    // Registered first, so disposed last: the listeners go before the panel, and a panel
    // we close ourselves does not call handler.disposed().
    this._register(
      toDisposable(() => {
        if (!this.webviewGone && !this.handedOver) webviewPanel.dispose();
      }),
    );
    this._register(webview.onDidReceiveMessage((message: WebviewMessage) => this.receive(message)));
    this._register(
      webviewPanel.onDidDispose(() => {
        this.webviewGone = true;
        this.dispose();
        this.handler.disposed();
      }),
    );
  }

  /** A new panel beside the active editor. */
  static create(extensionUri: vscode.Uri, title: string, handler: PanelHandler): ForkTreePanel {
    const webviewPanel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
      },
    );
    webviewPanel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    return new ForkTreePanel(webviewPanel, extensionUri, title, handler);
  }

  /** A panel VS Code brings back after a reload (its webview state holds the last picture). */
  static revive(webviewPanel: vscode.WebviewPanel, extensionUri: vscode.Uri, handler: PanelHandler): ForkTreePanel {
    return new ForkTreePanel(webviewPanel, extensionUri, webviewPanel.title, handler);
  }

  /**
   * Lets go of the webview panel, open, for another run to revive: this one stops
   * listening to it and will not close it.
   */
  release(): vscode.WebviewPanel {
    this.handedOver = true;
    this.dispose();
    return this.webviewPanel;
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  post(message: HostMessage): void {
    if (!this.isDisposed) void this.webviewPanel.webview.postMessage(message);
  }

  reveal(): void {
    if (!this.isDisposed) this.webviewPanel.reveal(undefined, true);
  }

  private receive(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        return this.handler.ready();
      case 'openProcess':
        if (typeof message.id === 'string') this.handler.openProcess(message.id);
        return;
      case 'stop':
        return this.handler.stop();
      case 'traceAgain':
        return this.handler.traceAgain();
      case 'applyFix':
        // The page is not trusted with more than a reference: the host finds the finding itself.
        if (typeof message.kind === 'string' && typeof message.pid === 'number' && (message.time === null || typeof message.time === 'number'))
          this.handler.applyFix({ kind: message.kind, pid: message.pid, time: message.time });
        return;
      case 'tracePrecisely':
        return this.handler.tracePrecisely();
      default:
        assertNever(message);
    }
  }
}
