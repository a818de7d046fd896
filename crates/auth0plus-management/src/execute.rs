//! Sending a request: the bearer token (refreshed once on a 401), the
//! error of a non-2xx answer, and decoding the body. Every request of the
//! crate goes through here.

use auth0plus_management_api::Operation;
use auth0plus_transport::{Bytes, HttpBackend as _, HttpResponse, ResponseLimit, Scrubber, Secret};
use serde::de::DeserializeOwned;

use crate::decode::{decode, scrubber};
use crate::request::ApiRequest;
use crate::{ApiError, Auth0, Error, Result};

impl Auth0 {
    /// Run one operation of the generated layer ([`crate::api`]) and decode
    /// its answer.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a path parameter that is empty, `.` or
    /// `..`; [`Error::Api`] for an error status; [`Error::Decode`] when the
    /// answer does not fit; transport and token errors.
    pub async fn send<O: Operation>(&self, operation: O) -> Result<O::Output> {
        self.execute_json(&ApiRequest::of(&operation)?).await
    }

    fn http_request(
        &self,
        request: &ApiRequest,
        token: &Secret,
    ) -> Result<auth0plus_transport::HttpRequest> {
        let url = format!("{}/api/v2{}", self.base_url(), request.path_and_query());
        let mut bearer = http::HeaderValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| Error::Config("the access token is not a valid header value".into()))?;
        // Backends, middleware and `Debug` of the request then keep it out of
        // their output.
        bearer.set_sensitive(true);
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(url)
            .header(http::header::AUTHORIZATION, bearer)
            .header(http::header::ACCEPT, "application/json");
        let body = match request.wire_body()? {
            Some((content_type, bytes)) => {
                builder = builder.header(http::header::CONTENT_TYPE, content_type);
                bytes
            }
            None => Bytes::new(),
        };
        let mut http_request = builder
            .body(body)
            .map_err(|e| Error::InvalidArgument(format!("cannot build the request: {e}")))?;
        self.telemetry().apply(&mut http_request);
        http_request
            .extensions_mut()
            .insert(ResponseLimit(self.response_limit()));
        Ok(http_request)
    }

    /// Send `request` with a bearer token; on a 401 invalidate the token,
    /// fetch a fresh one and retry once. Non-2xx answers become [`Error::Api`].
    pub(crate) async fn execute(&self, request: &ApiRequest) -> Result<HttpResponse> {
        self.execute_with_token(request)
            .await
            .map(|(response, _)| response)
    }

    /// [`Auth0::execute`], and the token the answer came with.
    pub(crate) async fn execute_with_token(
        &self,
        request: &ApiRequest,
    ) -> Result<(HttpResponse, Secret)> {
        let mut token = self.token_source().token().await?;
        let mut response = self
            .backend()
            .send(self.http_request(request, &token)?)
            .await?;
        if response.status() == http::StatusCode::UNAUTHORIZED {
            self.token_source().invalidate(&token);
            let fresh = self.token_source().token().await?;
            if fresh != token {
                tracing::debug!(path = %request.path, "401: retrying once with a fresh token");
                token = fresh;
                response = self
                    .backend()
                    .send(self.http_request(request, &token)?)
                    .await?;
            }
        }
        if response.status().is_success() {
            Ok((response, token))
        } else {
            // A server may echo the request body (with a password) or the
            // bearer token it was sent into its error; keep them out of it.
            let scrubber = scrubber(request, &token);
            Err(ApiError::from_response_scrubbed(&response, &scrubber).into())
        }
    }

    /// [`Auth0::execute`] and decode the JSON body as `T`.
    pub(crate) async fn execute_json<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
    ) -> Result<T> {
        let (response, token) = self.execute_with_token(request).await?;
        // The scrubber is built only for a failure: most answers decode.
        decode(&response, || scrubber(request, &token))
    }

    /// [`Auth0::execute_json`], and the scrubber of the request and its
    /// token, for server text the caller keeps (a job's details).
    pub(crate) async fn execute_json_scrubbed<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
    ) -> Result<(T, Scrubber)> {
        let (response, token) = self.execute_with_token(request).await?;
        let scrubber = scrubber(request, &token);
        let value = decode(&response, || scrubber.clone())?;
        Ok((value, scrubber))
    }
}
