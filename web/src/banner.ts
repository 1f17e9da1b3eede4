// The banner at the top of every page that says the API is down. It never replaces the
// page: what was shown stays, and the banner goes once a request succeeds again.
const el = (): HTMLElement | null => document.getElementById("banner");

export function showApiDown(message: string): void {
  const b = el();
  if (!b) return;
  b.setAttribute("data-testid", "api-down");
  b.textContent = message;
  b.hidden = false;
}

export function hideApiDown(): void {
  const b = el();
  if (b && !b.hidden) b.hidden = true;
}
