package dev.viewstamp.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * through Selenium): a backup's page names the primary of a running three-replica cluster; the
 * primary is killed with kill -9, and the page, polling on its own, comes to name another one and
 * shows the killed replica as unreachable. Without Chromium the test is skipped, unless the
 * environment variable CI is set (.ci/run installs it): then it fails.
 */
class DashboardIT {

    @TempDir
    Path dir;

    /** The first of {@code candidates} that is an executable file, or null. */
    private static Path executable(String... candidates) {
        for (String candidate : candidates) {
            if (candidate == null) continue;
            Path path = Path.of(candidate);
            if (Files.isRegularFile(path) && Files.isExecutable(path)) return path;
        }
        return null;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void dashboardNamesANewPrimaryAfterTheOldOneIsKilled() throws Exception {
        // Debian's /usr/bin/chromium is a shell script around the real binary in /usr/lib/chromium.
        Path chromium = executable(System.getenv("CHROME_BIN"), "/usr/lib/chromium/chromium", "/usr/bin/chromium",
                "/usr/bin/chromium-browser");
        Path driver = executable(System.getenv("CHROMEDRIVER"), "/usr/bin/chromedriver",
                "/usr/lib/chromium/chromedriver");
        boolean ci = System.getenv("CI") != null;
        if (!ci) {
            assumeTrue(chromium != null && driver != null, "no chromium or chromedriver on this machine: "
                    + "apt-get install chromium chromium-driver to run the dashboard test (with CI set it fails instead)");
        }
        assertThat(chromium).as("CI is set, and no chromium binary: .ci/run installs Debian's chromium").isNotNull();
        assertThat(driver).as("CI is set, and no chromedriver: .ci/run installs Debian's chromium-driver").isNotNull();

        try (ProcessCluster cluster = new ProcessCluster(dir, 3, 64).withAdmin()) {
            cluster.startAll();
            int primary = cluster.primary(Duration.ofSeconds(30));
            int shower = (primary + 1) % 3;

            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--no-first-run", "--disable-extensions", "--window-size=1000,700",
                    "--user-data-dir=" + dir.resolve("chromium-profile"));
            // The driver named explicitly: Selenium then neither looks for nor downloads one.
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                    .usingAnyFreePort().withLogFile(dir.resolve("chromedriver.log").toFile()).build();
            WebDriver browser = new ChromeDriver(service, options);
            try {
                browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
                browser.get(cluster.adminUrl(shower) + "/");
                String named = new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
                    String text = d.findElement(By.id("primary")).getText();
                    return text.matches("\\d+") && d.findElements(By.cssSelector("#replicas tr")).size() == 3 ? text : null;
                });
                assertThat(Integer.parseInt(named)).as("the primary the page names").isEqualTo(primary);
                screenshot(browser, "before");

                cluster.kill(primary);
                String after = new WebDriverWait(browser, Duration.ofSeconds(90)).until(d -> {
                    String text = d.findElement(By.id("primary")).getText();
                    return text.matches("\\d+") && !text.equals(named) ? text : null;
                });
                int newPrimary = cluster.primary(Duration.ofSeconds(30));
                assertThat(Integer.parseInt(after)).as("the primary the page names after the kill").isNotEqualTo(primary)
                        .isEqualTo(newPrimary);
                // The killed replica's row says so once its STATUS frames are a few seconds old.
                new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
                    List<WebElement> role = d.findElements(By.cssSelector("#replica-" + primary + " td.role"));
                    return !role.isEmpty() && role.get(0).getText().equals("unreachable");
                });
                screenshot(browser, "after");
            } finally {
                browser.quit();
                service.stop();
            }
        }
    }

    /** Keeps what the page showed beside the test's logs (target/failsafe's temp directory). */
    private void screenshot(WebDriver browser, String name) {
        try {
            byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
            Path target = Path.of(System.getProperty("java.io.tmpdir"), "vsr-dashboard-" + name + ".png");
            Files.write(target, png);
        } catch (Exception e) {
            // A screenshot is for a person reading a failure; the test does not depend on it.
        }
    }
}
