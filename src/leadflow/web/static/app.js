// Live SLA countdowns: any element with data-due (ISO UTC) shows the time left, red when overdue.
function leadflowCountdowns() {
  const now = Date.now();
  document.querySelectorAll("[data-due]").forEach((el) => {
    const due = Date.parse(el.dataset.due);
    if (isNaN(due)) return;
    let left = Math.round((due - now) / 60000);
    const overdue = left < 0;
    left = Math.abs(left);
    const h = Math.floor(left / 60), m = left % 60;
    el.textContent = (overdue ? "overdue by " : "") + (h ? h + "h " : "") + m + "m" + (overdue ? "" : " left");
    el.classList.toggle("overdue", overdue);
  });
}
// Charts: <div class="chart" data-spec='{vega-lite json}'> rendered with the vendored vega-embed.
function leadflowCharts() {
  if (typeof vegaEmbed === "undefined") return;
  document.querySelectorAll(".chart[data-spec]").forEach((el) => {
    if (el.dataset.rendered) return;
    el.dataset.rendered = "1";
    vegaEmbed(el, JSON.parse(el.dataset.spec), { actions: false, renderer: "svg" });
  });
}
document.addEventListener("DOMContentLoaded", () => {
  leadflowCountdowns(); leadflowCharts();
  setInterval(leadflowCountdowns, 30000);
});
document.addEventListener("htmx:afterSwap", () => { leadflowCountdowns(); leadflowCharts(); });
