namespace Facteur.Webmail;

/// <summary>
/// The stylesheet and the one small script, served from their own URLs so the CSP can forbid
/// inline script and style. Everything works without the script: it only adds "select all" and
/// a confirmation before emptying the Trash.
/// </summary>
internal static class WebAssets
{
    public const string Stylesheet = """
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.4 system-ui,sans-serif;color:#1d2330;background:#f4f6f9}
        header{display:flex;align-items:center;gap:1rem;padding:.5rem 1rem;background:#123c69;color:#fff}
        header a{color:#fff}
        header .brand{font-weight:600;font-size:1.1rem;margin-right:auto}
        header form{display:inline;margin:0}
        header button{background:none;border:1px solid #fff8;color:#fff;border-radius:4px;padding:.2rem .5rem;cursor:pointer}
        header button[aria-pressed=true]{background:#fff3}
        .layout{display:flex;min-height:calc(100vh - 3rem)}
        nav.folders{width:15rem;padding:1rem;background:#fff;border-right:1px solid #dde2ea}
        nav.folders ul{list-style:none;margin:0;padding:0}
        nav.folders li a{display:flex;justify-content:space-between;padding:.3rem .5rem;border-radius:4px;text-decoration:none;color:inherit}
        nav.folders li a.current{background:#e3ebf6;font-weight:600}
        .count{background:#123c69;color:#fff;border-radius:1rem;padding:0 .45rem;font-size:.8rem}
        main{flex:1;padding:1rem;min-width:0}
        .compose{display:inline-block;margin-bottom:1rem;padding:.4rem .8rem;background:#123c69;color:#fff;border-radius:4px;text-decoration:none}
        table.messages{width:100%;border-collapse:collapse;background:#fff}
        table.messages th,table.messages td{padding:.35rem .5rem;border-bottom:1px solid #e6e9ef;text-align:left;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:28rem}
        tr.unread td{font-weight:600}
        .marker{font-size:.85rem}
        .toolbar{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.5rem 0}
        .notice{padding:.5rem 1rem;background:#e7f5ea;border:1px solid #b6dfc0;border-radius:4px}
        .error{padding:.5rem 1rem;background:#fdecea;border:1px solid #f5c2bd;border-radius:4px}
        .login{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 2px 8px #0001}
        .login label,.compose-form label{display:block;margin-top:.8rem}
        input[type=text],input[type=email],input[type=password],input[type=search],textarea,select{width:100%;padding:.4rem;border:1px solid #c5ccd8;border-radius:4px;font:inherit}
        .toolbar select,.toolbar input{width:auto}
        textarea{min-height:16rem;font-family:ui-monospace,monospace}
        button,.button{padding:.35rem .7rem;border:1px solid #9aa6b8;border-radius:4px;background:#fff;cursor:pointer;font:inherit;color:inherit;text-decoration:none}
        button.primary{background:#123c69;color:#fff;border-color:#123c69}
        .headers dt{font-weight:600;float:left;clear:left;width:5rem}
        .headers dd{margin-left:5.5rem}
        pre.text{white-space:pre-wrap;background:#fff;padding:1rem;border:1px solid #e6e9ef;font-family:ui-monospace,monospace}
        iframe.body{width:100%;height:70vh;border:1px solid #e6e9ef;background:#fff}
        .attachments li{margin:.2rem 0}
        .pager{margin-top:.5rem;display:flex;gap:.5rem;align-items:center}
        .visually-hidden{position:absolute;left:-9999px}
        """;

    public const string Script = """
        document.addEventListener('DOMContentLoaded', function () {
          var all = document.getElementById('select-all');
          if (all) {
            all.addEventListener('change', function () {
              document.querySelectorAll('input[name=uids]').forEach(function (box) { box.checked = all.checked; });
            });
          }
          // Say at once that the files are too big, before uploading them (the server checks again).
          document.querySelectorAll('input[type=file][data-max]').forEach(function (input) {
            input.addEventListener('change', function () {
              var total = 0;
              for (var i = 0; i < input.files.length; i++) { total += input.files[i].size; }
              var error = document.getElementById('upload-error');
              var tooLarge = total > Number(input.getAttribute('data-max'));
              input.setCustomValidity(tooLarge ? input.getAttribute('data-too-large') : '');
              if (error) { error.textContent = tooLarge ? input.getAttribute('data-too-large') : ''; error.hidden = !tooLarge; }
            });
          });
          document.querySelectorAll('[data-confirm]').forEach(function (button) {
            button.addEventListener('click', function (event) {
              if (!window.confirm(button.getAttribute('data-confirm'))) { event.preventDefault(); }
            });
          });
        });
        """;
}
