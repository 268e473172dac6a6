// 市局业务系统: a few lines of progressive enhancement (pages work without them).
// Forms with data-confirm ask before submitting (revoking a station, disabling an account …).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var submitter = event.submitter;
  var text = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (text && !window.confirm(text)) {
    event.preventDefault();
  }
});
