// Package webtest drives the commander's page in headless Chromium from Go
// tests: open the page of a running daemon, read the drones and the covered
// fractions it shows, deploy through its buttons and save screenshots. The
// end-to-end tests against the real daemon and the simulator use it as the
// page's own tests do.
//
// Chromium is Debian's package at /usr/bin/chromium (installed by .ci/run);
// AEROCELL_CHROMIUM names another. Without it a test is skipped on a
// developer's machine and fails in CI (CI set in the environment).
package webtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ErrNoChromium: no Chromium binary was found.
var ErrNoChromium = errors.New("webtest: chromium not found (apt-get install chromium, or set AEROCELL_CHROMIUM)")

// ChromiumPath returns the Chromium binary to use.
func ChromiumPath() (string, error) {
	if p := os.Getenv("AEROCELL_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Page is one headless browser tab.
type Page struct {
	t   testing.TB
	ctx context.Context

	mu     sync.Mutex
	thrown []string // uncaught exceptions in the page
}

// Options size the browser's window and bound the whole test.
type Options struct {
	Width, Height int           // defaults 1280x800
	Timeout       time.Duration // defaults 5 minutes
}

// NewPage starts headless Chromium with a fresh profile and returns its tab;
// the browser ends with the test. Without Chromium it skips the test, or
// fails it when CI is set.
func NewPage(t testing.TB, o Options) *Page {
	t.Helper()
	path, err := ChromiumPath()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must run the browser tests", err)
		}
		t.Skip(err)
	}
	if o.Width == 0 {
		o.Width, o.Height = 1280, 800
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Minute
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(o.Width, o.Height),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), o.Timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(int64(o.Width), int64(o.Height))); err != nil {
		t.Fatalf("webtest: starting %s: %v", path, err)
	}
	p := &Page{t: t, ctx: bctx}
	// An uncaught exception in the page fails the test: the page may look
	// right in one screenshot and be broken the next second.
	if err := chromedp.Listen(bctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok && e.ExceptionDetails != nil {
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			p.mu.Lock()
			p.thrown = append(p.thrown, fmt.Sprintf("%s (line %d)", msg, e.ExceptionDetails.LineNumber+1))
			p.mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("webtest: listening to the page: %v", err)
	}
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.thrown {
			t.Errorf("webtest: the page threw: %s", e)
		}
	})
	return p
}

// StepTimeout bounds each step of a helper (a click, a wait), so that a stuck
// step fails with its name instead of using up the whole test's time.
const StepTimeout = 60 * time.Second

// steps runs the actions in order, each within StepTimeout. On failure it
// saves a screenshot beside the test's files and says which step failed.
func (p *Page) steps(what string, actions ...chromedp.Action[chromedp.Void]) error {
	for i, a := range actions {
		ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
		err := chromedp.Do(ctx, a)
		cancel()
		if err != nil {
			err = fmt.Errorf("webtest: %s, step %d of %d: %w", what, i+1, len(actions), err)
			p.failureShot(what)
			return err
		}
	}
	return nil
}

// read runs one reading action within StepTimeout.
func read[T any](p *Page, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// failureShot saves a screenshot of the page as it was when a step failed.
func (p *Page) failureShot(what string) {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return
	}
	dir := os.Getenv("AEROCELL_SCREENSHOTS")
	if dir == "" {
		dir = os.TempDir()
	}
	name := strings.NewReplacer(" ", "-", "/", "-").Replace(p.t.Name() + "-" + what + "-failed.png")
	path := filepath.Join(dir, name)
	if os.WriteFile(path, buf, 0o644) == nil {
		p.t.Logf("webtest: screenshot of the failure: %s", path)
	}
}

// Context is the tab's context, for chromedp actions of your own.
func (p *Page) Context() context.Context { return p.ctx }

// Open loads the page at baseURL (the daemon's root) with token (may be
// empty) and waits until it has signed in and read the API.
func (p *Page) Open(baseURL, token string) error {
	u := strings.TrimRight(baseURL, "/") + "/"
	if token != "" {
		u += "#token=" + token
	}
	return p.steps("open the page",
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
	)
}

// DroneIDs returns the system ids in the page's drone list, in order.
func (p *Page) DroneIDs() ([]int, error) {
	return read(p, chromedp.Evaluate[[]int](
		`[...document.querySelectorAll('#drone-list tbody tr')].map(r => Number(r.dataset.drone))`))
}

// DroneStates returns each listed drone's state.
func (p *Page) DroneStates() (map[int]string, error) {
	m, err := read(p, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll('#drone-list tbody tr')].map(r => [r.dataset.drone, r.dataset.state]))`))
	if err != nil {
		return nil, err
	}
	out := make(map[int]string, len(m))
	for k, v := range m {
		var id int
		fmt.Sscan(k, &id)
		out[id] = v
	}
	return out, nil
}

// Covered returns the covered fraction the page shows for network
// ("public" or "private").
func (p *Page) Covered(network string) (float64, error) {
	return read(p, chromedp.Evaluate[float64](
		fmt.Sprintf(`Number(document.getElementById(%q).dataset.fraction)`, "cov-"+network)))
}

// Text returns the text of the first element matching the CSS selector.
func (p *Page) Text(sel string) (string, error) {
	return read(p, chromedp.Text(chromedp.CSS(sel)))
}

// WaitUntil polls cond until it holds or cond fails, for at most twice
// StepTimeout; what names the wait in the error. A failed wait saves a
// screenshot.
func (p *Page) WaitUntil(what string, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(p.ctx, 2*StepTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		ok, err := cond()
		if err == nil && ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			p.failureShot(what)
			return fmt.Errorf("webtest: waiting for %s: %w (last error: %v)", what, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// Deploy presses the Deploy button and confirms the dialog.
func (p *Page) Deploy() error {
	return p.steps("deploy",
		chromedp.WaitEnabled(chromedp.CSS(`#btn-deploy`)),
		chromedp.Click(chromedp.CSS(`#btn-deploy`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#confirm[open] #confirm-ok`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`), chromedp.NodeVisible),
		chromedp.WaitNotPresent(chromedp.CSS(`#confirm[open]`)),
	)
}

// Screenshot saves a PNG of the whole window to path.
func (p *Page) Screenshot(path string) error {
	buf, err := read(p, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}

// SelectDrone taps the drone's row in the list, which opens its orders.
func (p *Page) SelectDrone(id int) error {
	return p.steps(fmt.Sprintf("select drone %d", id),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#drone-list tr[data-drone="%d"]`, id)), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#drone-card`)),
	)
}

// Order presses the selected drone's order button (rtl, land, release,
// exclude, pin) and then confirms, or cancels when confirm is false.
func (p *Page) Order(kind string, confirm bool) error {
	button := `#confirm-cancel`
	if confirm {
		button = `#confirm-ok`
	}
	return p.steps("order "+kind,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#drone-card [data-order=%q]`, kind)), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#confirm[open] `+button)),
		chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible),
		chromedp.WaitNotPresent(chromedp.CSS(`#confirm[open]`)),
	)
}

// Visible reports whether the first element matching sel is displayed.
func (p *Page) Visible(sel string) (bool, error) {
	return read(p, chromedp.Evaluate[bool](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return !!e && e.offsetParent !== null; })()`, sel)))
}

// CreateIncident fills in the page's new-incident form with name and the
// GeoJSON file at path, and submits it.
func (p *Page) CreateIncident(name, path string) error {
	return p.steps("open an incident",
		chromedp.WaitVisible(chromedp.CSS(`#no-incident`)),
		chromedp.SendKeys(chromedp.CSS(`#new-name`), name),
		chromedp.SetUploadFiles(chromedp.CSS(`#new-area`), []string{path}),
		chromedp.Click(chromedp.CSS(`#btn-create`), chromedp.NodeVisible),
	)
}

// PreviewPlan presses "Preview plan" and returns the plan summary shown.
func (p *Page) PreviewPlan() (string, error) {
	if err := p.steps("preview the plan",
		chromedp.Click(chromedp.CSS(`#btn-preview`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#plan-summary`)),
	); err != nil {
		return "", err
	}
	return p.Text(`#plan-summary`)
}

// SignIn opens the page at baseURL with no token, waits for the sign-in
// dialog, types token into it and waits until the page has signed in.
func (p *Page) SignIn(baseURL, token string) error {
	return p.steps("sign in",
		chromedp.Navigate(strings.TrimRight(baseURL, "/")+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#login[open] #login-token`)),
		chromedp.SendKeys(chromedp.CSS(`#login-token`), token),
		chromedp.Click(chromedp.CSS(`#login-ok`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
	)
}

// PlaceDrop presses "Place a drop…", taps the map at the middle of its
// canvas, fills the load (kg) and the deadline (minutes) and asks for it.
func (p *Page) PlaceDrop(massKg, deadlineMin string) error {
	rect, err := read(p, chromedp.Evaluate[[]float64](
		`(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
	if err != nil {
		return err
	}
	return p.steps("place a drop",
		chromedp.Click(chromedp.CSS(`#btn-drop`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#drop-hint`)),
		chromedp.MouseClickXY(rect[0], rect[1]),
		chromedp.WaitVisible(chromedp.CSS(`#drop-dialog[open] #drop-ok`)),
		chromedp.SetValue(chromedp.CSS(`#drop-mass`), massKg),
		chromedp.SetValue(chromedp.CSS(`#drop-deadline`), deadlineMin),
		chromedp.Click(chromedp.CSS(`#drop-ok`), chromedp.NodeVisible),
		chromedp.WaitNotPresent(chromedp.CSS(`#drop-dialog[open]`)),
	)
}

// TaskRows returns the task list's rows: id and status, newest first.
func (p *Page) TaskRows() ([][2]string, error) {
	return read(p, chromedp.Evaluate[[][2]string](
		`[...document.querySelectorAll('#task-list tbody tr')].map(r => [r.dataset.task, r.children[1].textContent])`))
}

// Project returns where lon, lat is on the map, in pixels from the
// canvas's top left, as the page projects it now.
func (p *Page) Project(lon, lat float64) ([2]float64, error) {
	return read(p, chromedp.Evaluate[[2]float64](fmt.Sprintf(`window.aerocell.project(%v, %v)`, lon, lat)))
}

// tapMap is a tap on the map at x, y pixels from the canvas's top left.
func tapMap(x, y float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		r, err := chromedp.Evaluate[[2]float64](
			`(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.left, r.top]; })()`)(ctx, tg)
		if err != nil {
			return err
		}
		_, err = chromedp.MouseClickXY(r[0]+x, r[1]+y)(ctx, tg)
		return err
	})
}

// StartSurvey presses "Draw a survey…" and taps the map at each corner
// (pixels from the canvas's top left), without closing the polygon.
func (p *Page) StartSurvey(corners ...[2]float64) error {
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`#btn-survey`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#survey-hint`)),
	}
	for _, c := range corners {
		actions = append(actions, tapMap(c[0], c[1]))
	}
	return p.steps("draw a survey", actions...)
}

// TapSurvey taps more corners of the survey being drawn.
func (p *Page) TapSurvey(corners ...[2]float64) error {
	var actions []chromedp.Action[chromedp.Void]
	for _, c := range corners {
		actions = append(actions, tapMap(c[0], c[1]))
	}
	return p.steps("tap survey corners", actions...)
}

// UndoCorner presses the survey's Undo: its last corner goes.
func (p *Page) UndoCorner() error {
	return p.steps("undo a corner", chromedp.Click(chromedp.CSS(`#survey-undo`), chromedp.NodeVisible))
}

// CancelSurvey presses the survey's Cancel: the drawing is dropped.
func (p *Page) CancelSurvey() error {
	return p.steps("cancel the survey",
		chromedp.Click(chromedp.CSS(`#survey-cancel`), chromedp.NodeVisible),
		chromedp.WaitNotVisible(chromedp.CSS(`#survey-hint`)),
	)
}

// CloseSurvey taps the survey's first corner again (at x, y), which closes
// the polygon and opens the survey's form.
func (p *Page) CloseSurvey(x, y float64) error {
	return p.steps("close the survey",
		tapMap(x, y),
		chromedp.WaitVisible(chromedp.CSS(`#survey-dialog[open] #survey-ok`)),
	)
}

// FinishSurvey presses the survey's Close, which closes the polygon on
// the corners tapped and opens the survey's form.
func (p *Page) FinishSurvey() error {
	return p.steps("finish the survey",
		chromedp.Click(chromedp.CSS(`#survey-close`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#survey-dialog[open] #survey-ok`)),
	)
}

// SubmitSurvey fills the open survey form (GSD in cm, overlap in %,
// deadline in minutes) and asks for the survey. It returns the refusal
// the form shows, or "" once the survey was taken and the form closed.
func (p *Page) SubmitSurvey(gsdCm, overlapPct, deadlineMin string) (string, error) {
	if err := p.steps("ask for the survey",
		chromedp.SetValue(chromedp.CSS(`#survey-gsd`), gsdCm),
		chromedp.SetValue(chromedp.CSS(`#survey-overlap`), overlapPct),
		chromedp.SetValue(chromedp.CSS(`#survey-deadline`), deadlineMin),
		chromedp.Click(chromedp.CSS(`#survey-ok`), chromedp.NodeVisible),
	); err != nil {
		return "", err
	}
	var shown string
	err := p.WaitUntil("the survey taken or refused", func() (bool, error) {
		v, err := read(p, chromedp.Evaluate[string](`(() => {
			const d = document.getElementById('survey-dialog');
			return d.open ? document.getElementById('survey-error').textContent : "closed";
		})()`))
		shown = v
		return v != "", err
	})
	if shown == "closed" {
		shown = ""
	}
	return shown, err
}

// SurveyBack closes the survey's form with "Back to the map".
func (p *Page) SurveyBack() error {
	return p.steps("back to the map",
		chromedp.Click(chromedp.CSS(`#survey-back`), chromedp.NodeVisible),
		chromedp.WaitNotPresent(chromedp.CSS(`#survey-dialog[open]`)),
	)
}

// TaskOrder presses a task's button in the list (act "approve" or
// "cancel") and confirms.
func (p *Page) TaskOrder(id, act string) error {
	return p.steps(act+" "+id,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#task-list tr[data-task=%q] button[data-act=%q]`, id, act)), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#confirm[open] #confirm-ok`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`), chromedp.NodeVisible),
		chromedp.WaitNotPresent(chromedp.CSS(`#confirm[open]`)),
	)
}
