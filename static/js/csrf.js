// Shared helpers for the page scripts (no framework, no CDN).
window.ImageSearch = window.ImageSearch || {};
ImageSearch.csrfToken = function () {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
};
ImageSearch.errorMessage = function (xhrOrBody, fallback) {
  try {
    const body = typeof xhrOrBody === "string" ? JSON.parse(xhrOrBody) : xhrOrBody;
    if (body && body.detail) return String(body.detail);
  } catch (e) { /* not JSON */ }
  return fallback;
};
