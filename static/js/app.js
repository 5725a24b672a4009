// Behaviour of every page: Det Fælles Designsystem's components.
document.addEventListener("DOMContentLoaded", function () {
  if (window.DKFDS) {
    window.DKFDS.init();
  }
});
