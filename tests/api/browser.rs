//! A browser without a screen, for the web pages: it keeps cookies, does not follow
//! redirects by itself (tests look at them), reads pages with `scraper`, and fills in forms
//! the way a person does, hidden fields (the CSRF token) included.

use std::cell::RefCell;
use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::harness::TestApp;

pub struct Browser {
    client: reqwest::Client,
    base_url: String,
    cookies: RefCell<BTreeMap<String, String>>,
}

/// A page (or any answer) as the browser received it.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header(LOCATION.as_str())
    }

    /// The texts of the elements `selector` picks.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = Selector::parse(selector).expect("a valid selector");
        self.html()
            .select(&selector)
            .map(|element| element.text().collect::<String>().trim().to_owned())
            .collect()
    }

    /// The `value` attribute of the input `selector` picks.
    pub fn value_of(&self, selector: &str) -> Option<String> {
        self.attribute(selector, "value")
    }

    /// The attribute `name` of the first element `selector` picks (a link's `href`).
    pub fn attribute(&self, selector: &str, name: &str) -> Option<String> {
        let selector = Selector::parse(selector).expect("a valid selector");
        self.html()
            .select(&selector)
            .next()
            .and_then(|element| element.value().attr(name).map(str::to_owned))
    }

    /// The hidden fields of the form posting to `action`: what a browser sends unseen.
    pub fn hidden_fields(&self, action: &str) -> Vec<(String, String)> {
        let form = Selector::parse(&format!("form[action=\"{action}\"]")).unwrap();
        let hidden = Selector::parse("input[type=hidden]").unwrap();
        let html = self.html();
        let form = html
            .select(&form)
            .next()
            .unwrap_or_else(|| panic!("a form posting to {action} in: {}", self.body));
        form.select(&hidden)
            .map(|input| {
                (
                    input.value().attr("name").unwrap_or_default().to_owned(),
                    input.value().attr("value").unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    pub fn assert_status(&self, expected: StatusCode) -> &Self {
        assert_eq!(self.status, expected, "{}", self.body);
        self
    }
}

impl Browser {
    /// A browser signed in as `account` through the sign-in page, as a person would be.
    pub async fn signed_in(app: &TestApp, account: &crate::harness::Account) -> Self {
        let browser = Self::new(app);
        let page = browser.get("/sign-in").await;
        page.assert_status(StatusCode::OK);
        browser
            .submit(
                &page,
                "/sign-in",
                &[
                    ("email", &account.email),
                    ("password", crate::harness::PASSWORD),
                ],
            )
            .await
            .assert_status(StatusCode::SEE_OTHER);
        browser
    }

    pub fn new(app: &TestApp) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(crate::harness::POOL_IDLE_TIMEOUT)
                .build()
                .expect("an HTTP client"),
            base_url: app.base_url.clone(),
            cookies: RefCell::new(BTreeMap::new()),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base_url)
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.borrow().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .borrow_mut()
            .insert(name.to_owned(), value.to_owned());
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .borrow()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn receive(&self, response: reqwest::Response) -> Page {
        for set in response.headers().get_all(SET_COOKIE) {
            let set = set.to_str().expect("a readable Set-Cookie");
            let pair = set.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').expect("name=value");
            let expired = set.to_ascii_lowercase().contains("max-age=0");
            let mut cookies = self.cookies.borrow_mut();
            if expired || value.is_empty() {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.expect("a body"),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(self.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("the server answers");
        self.receive(response).await
    }

    /// GET with extra headers (an `Authorization`, say).
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self
            .client
            .get(self.url(path))
            .header(COOKIE, self.cookie_header());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.receive(request.send().await.expect("the server answers"))
            .await
    }

    /// POSTs exactly `fields`, as a form.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_with(path, fields, &[]).await
    }

    pub async fn post_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self
            .client
            .post(self.url(path))
            .header(COOKIE, self.cookie_header())
            .form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.receive(request.send().await.expect("the server answers"))
            .await
    }

    /// Fills in the form of `page` that posts to `action`: its hidden fields plus `fields`.
    pub async fn submit(&self, page: &Page, action: &str, fields: &[(&str, &str)]) -> Page {
        let hidden = page.hidden_fields(action);
        let mut all: Vec<(&str, &str)> = hidden
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Opens `path` and presses the button of its form that posts to `path/action`, as a
    /// person who clicks it; the answer as it comes.
    pub async fn press(&self, path: &str, action: &str) -> Page {
        let page = self.get(path).await;
        self.submit(&page, &format!("{path}/{action}"), &[]).await
    }

    /// `submit`, then the redirect it answers with, as a browser follows it.
    pub async fn submit_and_follow(
        &self,
        page: &Page,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Page {
        let answer = self.submit(page, action, fields).await;
        self.follow(answer).await
    }

    /// The page a redirect points to; any other answer as it is.
    pub async fn follow(&self, answer: Page) -> Page {
        match answer.location() {
            Some(location) if answer.status.is_redirection() => {
                let location = location.to_owned();
                self.get(&location).await
            }
            _ => answer,
        }
    }
}
