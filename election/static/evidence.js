/*
 * The photo of the paper record: zoom, rotate, choose among several, by mouse, touch or keys.
 * Keys while the photo has focus: + and − zoom, R rotates a quarter turn, 0 fits the frame;
 * the arrow keys scroll a zoomed photo (the frame is a scrollable, focusable region).
 */
(() => {
  "use strict";

  const STEPS = [1, 1.5, 2, 3, 4, 6];

  function setUp(viewer) {
    const frame = viewer.querySelector(".viewer-frame");
    const photo = viewer.querySelector("[data-photo]");
    if (!frame || !photo) return;
    let step = 0;
    let turns = 0;

    const draw = () => {
      const scale = STEPS[step];
      const sideways = turns % 2 === 1;
      photo.style.width = `${scale * 100}%`;
      photo.style.transform = `rotate(${turns * 90}deg)`;
      photo.classList.toggle("sideways", sideways);
      frame.dataset.zoom = String(scale);
      viewer.querySelector('[data-zoom="out"]').disabled = step === 0;
      viewer.querySelector('[data-zoom="in"]').disabled = step === STEPS.length - 1;
    };
    const zoom = (by) => {
      step = Math.max(0, Math.min(STEPS.length - 1, step + by));
      draw();
    };
    const rotate = () => {
      turns = (turns + 1) % 4;
      draw();
    };
    const reset = () => {
      step = 0;
      turns = 0;
      draw();
    };

    viewer.querySelector('[data-zoom="in"]').addEventListener("click", () => zoom(1));
    viewer.querySelector('[data-zoom="out"]').addEventListener("click", () => zoom(-1));
    viewer.querySelector("[data-rotate]").addEventListener("click", rotate);
    viewer.querySelector("[data-reset]").addEventListener("click", reset);
    const choose = viewer.querySelector("[data-choose]");
    if (choose) {
      choose.addEventListener("change", () => {
        photo.src = choose.value;
        reset();
      });
    }
    frame.addEventListener("keydown", (event) => {
      const actions = { "+": () => zoom(1), "=": () => zoom(1), "-": () => zoom(-1),
        r: rotate, R: rotate, 0: reset };
      const act = actions[event.key];
      if (act) {
        event.preventDefault();
        act();
      }
    });
    draw();
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const viewer of document.querySelectorAll("[data-viewer]")) setUp(viewer);
  });
})();
